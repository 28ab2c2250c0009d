import { describe, expect, it } from 'vitest';
import { differencesOf, recordedInputOf, workflowLabelOf } from './recorded-input.js';

const document = { metadata: { name: 'Wait between steps' }, nodes: { a: { node_id: 'a' } } };

describe('recorded run inputs', () => {
  it('give the workflow its own name and file', () => {
    const recorded = recordedInputOf({ document, inputs: { wait_seconds: 30 }, source: 'wait.json' });
    expect(recorded).toMatchObject({ workflowName: 'Wait between steps', source: 'wait.json', inputs: { wait_seconds: 30 } });
    expect(workflowLabelOf(recorded)).toBe('"Wait between steps" (wait.json)');
    expect(workflowLabelOf(recordedInputOf('not a casare input'))).toBeUndefined();
  });

  it('say how a new start differs from the recorded run: file and variable names, never values', () => {
    const recorded = recordedInputOf({ document, inputs: { wait_seconds: 30, token: 's3cret' }, source: 'wait.json' });
    expect(
      differencesOf(recorded, {
        document: { nodes: { a: { node_id: 'a' } }, metadata: { name: 'Wait between steps' } },
        source: 'wait.json',
        inputs: { wait_seconds: 30, token: 's3cret' },
      }),
    ).toEqual([]);
    const differences = differencesOf(recorded, { document: { metadata: { name: 'Other' } }, source: 'other.json', inputs: { wait_seconds: 2 } });
    expect(differences).toEqual([
      'it ran wait.json ("Wait between steps"), not the other.json given now',
      'its --var values differ from the ones given now for: wait_seconds, token',
    ]);
    expect(differences.join(' ')).not.toContain('s3cret');
  });
});
