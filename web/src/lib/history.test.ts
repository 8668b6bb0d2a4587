import { describe, expect, it } from 'vitest';
import { eventLabel, formatValue, localToRfc3339, rfc3339ToLocal } from './history';

describe('history helpers', () => {
  it('formats values', () => {
    expect(formatValue(null)).toBe('∅');
    expect(formatValue([1, 2])).toBe('1, 2');
    expect(formatValue('High')).toBe('High');
    expect(formatValue(3)).toBe('3');
  });
  it('labels events', () => {
    expect(eventLabel('RiskControlMapped')).toBe('Control mapped');
    expect(eventLabel('Other')).toBe('Other');
    expect(eventLabel('EngagementPhaseChanged')).toBe('Engagement phase changed');
    expect(eventLabel('ManagementResponseSubmitted')).toBe('Management response submitted');
    expect(eventLabel('ControlTestRecorded')).toBe('Test recorded');
    expect(eventLabel('ControlEffectivenessUpdated')).toBe('Effectiveness changed');
    expect(eventLabel('RequirementAdded')).toBe('Requirement added');
  });
  it('round-trips local date-times', () => {
    const iso = localToRfc3339('2026-01-31T12:00:05');
    expect(iso).toMatch(/Z$/);
    expect(rfc3339ToLocal(iso!)).toBe('2026-01-31T12:00:05');
    expect(localToRfc3339('')).toBeNull();
    expect(localToRfc3339('garbage')).toBeNull();
  });
});
