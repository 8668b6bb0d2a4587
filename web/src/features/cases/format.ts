// How evidence values read on screen (pure): sizes and hashes.

const UNITS = ['KiB', 'MiB', 'GiB', 'TiB'];

/** A byte count for people: "812 B", "1.5 KiB", "100 MiB" (binary units, as the upload limit is set). */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '—';
  if (n < 1024) return `${n} B`;
  let v = n;
  let unit = -1;
  while (v >= 1024 && unit < UNITS.length - 1) {
    v /= 1024;
    unit++;
  }
  // Three significant figures at most, without a trailing ".0".
  const digits = v < 10 ? 1 : 0;
  const text = v.toFixed(digits).replace(/\.0$/, '');
  // Rounding can reach the next unit ("1024 KiB"): say "1 MiB" instead.
  if (text === '1024' && unit < UNITS.length - 1) return `1 ${UNITS[unit + 1]}`;
  return `${text} ${UNITS[unit]}`;
}

/** The first characters of a hash, enough to tell files apart at a glance; the full one goes in a title. */
export function shortHash(sha256: string, length = 12): string {
  return sha256.length > length ? `${sha256.slice(0, length)}…` : sha256;
}
