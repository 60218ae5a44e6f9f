import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createOutput } from '../src/output.js';

function capture() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  return { output: createOutput({ stdout, stderr }), text: () => ({ out, err }) };
}

describe('output', () => {
  it('masks every secret it was given, on both streams', () => {
    const { output, text } = capture();
    output.addSecret('s3cr3t-pass');
    output.out('user:s3cr3t-pass@host and s3cr3t-pass again');
    output.err('failed with s3cr3t-pass');
    output.errRaw('raw s3cr3t-pass');
    expect(text()).toEqual({ out: 'user:***@host and *** again\n', err: 'failed with ***\nraw ***' });
  });

  it('does not mask very short strings that would hide ordinary words', () => {
    const { output, text } = capture();
    output.addSecret('a');
    output.out('a banana');
    expect(text().out).toBe('a banana\n');
  });

  it('masks a secret cut short by a line that was cut, and a secret as JSON escapes it', () => {
    const { output, text } = capture();
    output.addCredential({ kind: 'basic', username: 'alice', password: 'Tr0ub"4dor\\3horse' });
    output.err('the registry said: password Tr0ub"4dor\\3h…');
    output.err(`credentials ${Buffer.from('alice:Tr0ub"4dor\\3horse').toString('base64').slice(0, 20)}…`);
    output.out(JSON.stringify({ error: 'signed with Tr0ub"4dor\\3horse' }));
    const { out, err } = text();
    expect(err).toBe('the registry said: password ***…\ncredentials ***…\n');
    expect(out).toBe('{"error":"signed with ***"}\n');
  });

  it('masks a secret with a control character, as printable() and JSON show it', () => {
    const { output, text } = capture();
    output.addSecret('Tr0ub\t4dorHorse');
    output.out(JSON.stringify({ error: 'password Tr0ub\\t4dorHorse' }));
    output.err('password Tr0ub\\t4dorHorse');
    expect(text()).toEqual({ out: '{"error":"password ***"}\n', err: 'password ***\n' });
  });
});
