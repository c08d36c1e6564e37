import { describe, expect, it } from 'vitest';
import { SPILL_AFTER_RECORDS } from '@syncframe/engine';
import { fleetSettingsFromEnv } from '../src/fleet-settings.js';

describe('fleetSettingsFromEnv: spilling pulled records', () => {
  it('keeps the engine default unless SYNCFRAME_SPILL_AFTER_RECORDS says otherwise (0: spill every record)', () => {
    expect(fleetSettingsFromEnv({}).spillAfterRecords).toBe(SPILL_AFTER_RECORDS);
    expect(fleetSettingsFromEnv({ SYNCFRAME_SPILL_AFTER_RECORDS: '0' }).spillAfterRecords).toBe(0);
    expect(fleetSettingsFromEnv({ SYNCFRAME_SPILL_AFTER_RECORDS: '5000' }).spillAfterRecords).toBe(5000);
  });

  it('refuses a value that is not a whole number of records, naming the variable', () => {
    expect(() => fleetSettingsFromEnv({ SYNCFRAME_SPILL_AFTER_RECORDS: '-1' })).toThrow(/SYNCFRAME_SPILL_AFTER_RECORDS must be an integer >= 0/);
    expect(() => fleetSettingsFromEnv({ SYNCFRAME_SPILL_AFTER_RECORDS: 'lots' })).toThrow(/SYNCFRAME_SPILL_AFTER_RECORDS/);
  });
});
