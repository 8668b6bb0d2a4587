import { fireEvent, screen, waitFor } from '@testing-library/react';
import { act } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderAt } from '../../../test-utils';
import { INVESTIGATOR, SHA, evidence, serve } from '../testData';
import { EvidenceUpload } from './EvidenceUpload';

afterEach(() => vi.unstubAllGlobals());

/** The XMLHttpRequests the component made, driven by the test. */
const sent: FakeXhr[] = [];

class FakeXhr {
  status = 0;
  responseText = '';
  withCredentials = false;
  url = '';
  body: FormData | null = null;
  upload: { onprogress: ((e: { loaded: number; total: number; lengthComputable: boolean }) => void) | null } = {
    onprogress: null,
  };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  open(_method: string, url: string) {
    this.url = url;
  }
  setRequestHeader() {}
  send(body: FormData) {
    this.body = body;
    sent.push(this);
  }
  abort() {
    this.onabort?.();
  }
  answer(status: number, body: unknown) {
    this.status = status;
    this.responseText = JSON.stringify(body);
    this.onload?.();
  }
}

function setup() {
  sent.length = 0;
  serve(INVESTIGATOR);
  vi.stubGlobal('XMLHttpRequest', FakeXhr);
  renderAt('/cases/4', [{ path: '/cases/:id', element: <EvidenceUpload caseId={4} /> }]);
  const file = new File(['a'.repeat(2048)], 'ledger.csv', { type: 'text/csv' });
  fireEvent.change(screen.getByLabelText('or choose one:'), { target: { files: [file] } });
}

describe('EvidenceUpload', () => {
  it('uploads the chosen file with its description and shows the progress to the end', async () => {
    setup();
    expect(screen.getByText('ledger.csv')).toBeInTheDocument();
    expect(screen.getByText(/2 KiB/)).toBeInTheDocument();
    fireEvent.change(screen.getByRole('textbox', { name: 'File description' }), { target: { value: 'ERP export' } });
    fireEvent.click(screen.getByRole('button', { name: 'Upload file' }));
    await waitFor(() => expect(sent).toHaveLength(1));
    expect(sent[0].url).toBe('/api/cases/4/evidence');
    expect(sent[0].body?.get('description')).toBe('ERP export');

    act(() => sent[0].upload.onprogress?.({ loaded: 1024, total: 2048, lengthComputable: true }));
    expect(screen.getByRole('progressbar', { name: 'Uploading ledger.csv' })).toHaveAttribute('aria-valuenow', '50');
    expect(screen.getByText('Uploading: 50% of 2 KiB')).toBeInTheDocument();

    act(() => sent[0].answer(201, { success: true, data: evidence }));
    expect(await screen.findByText('File uploaded')).toBeInTheDocument();
    expect(screen.getByRole('progressbar', { name: 'Uploaded ledger.csv' })).toHaveAttribute('aria-valuenow', '100');
    expect(screen.getByText(new RegExp(SHA.slice(0, 12)))).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Upload file' })).not.toBeInTheDocument();
  });

  it('says plainly when the file is over the limit', async () => {
    setup();
    fireEvent.click(screen.getByRole('button', { name: 'Upload file' }));
    await waitFor(() => expect(sent).toHaveLength(1));
    act(() =>
      sent[0].answer(413, {
        success: false,
        error: { code: 'PAYLOAD_TOO_LARGE', message: 'the file is larger than the upload limit of 1024 bytes' },
      }),
    );
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('File too large');
    expect(alert).toHaveTextContent('the file is larger than the upload limit of 1024 bytes');
    expect(alert).toHaveTextContent('Nothing was stored.');
    // The file stays chosen, to try again or clear.
    expect(screen.getByRole('button', { name: 'Upload file' })).toBeInTheDocument();
  });

  it('takes a dropped file', async () => {
    setup();
    const zone = screen.getByTestId('evidence-drop-zone');
    const dropped = new File(['x'], 'photo.jpg', { type: 'image/jpeg' });
    fireEvent.dragOver(zone, { dataTransfer: { files: [dropped] } });
    expect(screen.getByText('Drop the file to add it')).toBeInTheDocument();
    fireEvent.drop(zone, { dataTransfer: { files: [dropped] } });
    expect(await screen.findByText('photo.jpg')).toBeInTheDocument();
  });
});
