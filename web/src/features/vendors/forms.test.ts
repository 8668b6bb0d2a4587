import { describe, expect, it } from 'vitest';
import { ApiError } from '../../lib/api';
import {
  EMPTY_VENDOR_FORM,
  emptyReview,
  isEmailAddress,
  reviewToBody,
  validateReview,
  validateVendorForm,
  vendorToCreate,
  vendorToForm,
  vendorToPatch,
  yearAfter,
} from './forms';
import { vendor } from './testData';

describe('vendor form', () => {
  it('needs a name, and an address alone as the contact email', () => {
    expect(validateVendorForm(EMPTY_VENDOR_FORM)).toEqual({ name: 'is required' });
    expect(validateVendorForm({ ...EMPTY_VENDOR_FORM, name: 'x', contact_email: 'Ann <ann@x.example>' })).toEqual({
      contact_email: 'must be an email address, such as name@example.com',
    });
    expect(isEmailAddress('ann@x.example')).toBe(true);
    expect(isEmailAddress('ann@x')).toBe(false);
  });

  it('sends defaults, ids as numbers once each ascending, and no date as null', () => {
    expect(vendorToCreate({ ...EMPTY_VENDOR_FORM, name: ' Acme ', risk_ids: ['9', '2', '9'] })).toEqual({
      name: 'Acme',
      service: '',
      criticality: 'medium',
      risk_tier: 'Medium',
      status: 'onboarding',
      contact_name: '',
      contact_email: '',
      next_review: null,
      risk_ids: [2, 9],
    });
  });

  it('sends only what changed, and asks a reason for a change of tier', () => {
    expect(vendorToPatch(vendorToForm(vendor), vendor)).toEqual({});
    expect(vendorToPatch({ ...vendorToForm(vendor), risk_ids: ['2', '1', '9'] }, vendor)).toEqual({});
    expect(vendorToPatch({ ...vendorToForm(vendor), status: 'offboarded', risk_ids: ['1'] }, vendor)).toEqual({
      status: 'offboarded',
      risk_ids: [1],
    });
    const retier = { ...vendorToForm(vendor), risk_tier: 'High' as const };
    expect(validateVendorForm(retier, vendor)).toEqual({
      reason: 'is required to change the risk tier: say why it moves',
    });
    expect(() => vendorToPatch(retier, vendor)).toThrow(ApiError);
    expect(vendorToPatch({ ...retier, reason: ' Outage ' }, vendor)).toEqual({ risk_tier: 'High', reason: 'Outage' });
    // A reason without a change of tier is not sent.
    expect(vendorToPatch({ ...vendorToForm(vendor), reason: 'why not' }, vendor)).toEqual({});
  });
});

describe('review form', () => {
  const today = '2026-12-06';

  it('starts today, with the tier kept and the next review a year on', () => {
    expect(emptyReview(vendor, today)).toEqual({
      reviewed_at: today,
      decision: '',
      risk_tier: 'Medium',
      notes: '',
      next_review: '2027-12-06',
    });
    expect(yearAfter('2024-02-29')).toBe('2025-03-01');
  });

  it('refuses what the server would: no decision, a date ahead or before the last review, a next review not after it', () => {
    expect(validateReview(emptyReview(vendor, today), vendor, today)).toEqual({
      decision: 'Choose what the review concluded',
    });
    const r = { ...emptyReview(vendor, today), decision: 'approved' as const };
    expect(validateReview({ ...r, reviewed_at: '2026-12-07' }, vendor, today).reviewed_at).toBe(
      'must not be in the future',
    );
    expect(validateReview({ ...r, reviewed_at: '2025-01-01' }, vendor, today).reviewed_at).toBe(
      'must not be before the last review (2025-10-22)',
    );
    expect(validateReview({ ...r, next_review: today }, vendor, today).next_review).toBe(
      'must be after the review date',
    );
  });

  it('needs notes when it re-tiers the vendor, and sends them', () => {
    const r = { ...emptyReview(vendor, today), decision: 'conditional' as const, risk_tier: 'High' as const };
    expect(validateReview(r, vendor, today)).toEqual({
      notes: 'is required when the review changes the tier: say why it moves',
    });
    expect(reviewToBody({ ...r, notes: 'Outage in spring' }, vendor, today)).toEqual({
      reviewed_at: today,
      decision: 'conditional',
      risk_tier: 'High',
      next_review: '2027-12-06',
      notes: 'Outage in spring',
    });
  });
});
