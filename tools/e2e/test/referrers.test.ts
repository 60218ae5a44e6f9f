import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeImageLayout, sha256, type WrittenImage } from '@hoist/test-images';
import { startFaultProxy, startRegistry, type TestRegistry } from '@hoist/test-registry';
import { runHoist, tempDir } from './helpers.js';

/**
 * OCI 1.1 referrers: `hoist attach` and `hoist referrers`. distribution 2.8 has no referrers API,
 * so the fallback tag schema is tested end to end against it, and read back with raw HTTP. The
 * API path runs against ReferrersFront, a small front over the same registry that answers a
 * manifest PUT carrying a subject with OCI-Subject and serves /referrers/ from the PUTs it saw.
 */
let registry: TestRegistry;
let mirror: TestRegistry;
const images: WrittenImage[] = [];
let sbom: string;
let provenance: string;
const SPDX = 'application/spdx+json';
const INTOTO = 'application/vnd.in-toto+json';

beforeAll(async () => {
  [registry, mirror] = await Promise.all([startRegistry(), startRegistry()]);
  const dir = await tempDir();
  for (const tag of ['1', '2', '3']) {
    const layout = join(dir, tag);
    images.push(await makeImageLayout(layout, [16 * 1024]));
    const pushed = await runHoist(['push', layout, `${registry.host}/team/app:${tag}`, '--no-cache', '-q']);
    expect(pushed.code, pushed.stderr).toBe(0);
  }
  sbom = join(dir, 'sbom.spdx.json');
  await writeFile(sbom, JSON.stringify({ spdxVersion: 'SPDX-2.3', name: 'app' }));
  provenance = join(dir, 'provenance.json');
  await writeFile(provenance, JSON.stringify({ _type: 'https://in-toto.io/Statement/v1' }));
}, 60_000);
afterAll(async () => Promise.all([registry?.stop(), mirror?.stop()]));

/** A manifest as the registry holds it, read without hoist. */
async function manifest(reference: string, base = registry.url): Promise<{ status: number; json?: Record<string, unknown>; bytes?: Buffer }> {
  const res = await fetch(`${base}/v2/team/app/manifests/${reference}`, { headers: { accept: 'application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json' } });
  if (res.status !== 200) return { status: res.status };
  const bytes = Buffer.from(await res.arrayBuffer());
  return { status: 200, bytes, json: JSON.parse(bytes.toString()) as Record<string, unknown> };
}
const fallbackTag = (digest: string) => digest.replace(':', '-');

describe('hoist attach on a registry without the referrers API (the fallback tag)', () => {
  it('pushes the artifact by digest, with its subject, and lists it under the fallback tag; a second joins the first', async () => {
    const subject = images[0]!.manifest.digest;
    const first = await runHoist(['attach', '--artifact-type', SPDX, '--file', `${sbom}:${SPDX}`, '--annotation', 'org.opencontainers.image.created=2026-11-30T00:00:00Z', `${registry.host}/team/app:1`]);
    expect(first.code, first.stderr).toBe(0);
    const artifact = /@(sha256:[0-9a-f]{64})$/.exec(first.stdout.trim())![1]!;
    expect(first.stdout).toBe(`${registry.host}/team/app@${artifact}\n`);

    const stored = await manifest(artifact);
    expect(sha256(stored.bytes!)).toBe(artifact);
    expect(stored.json).toMatchObject({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: SPDX,
      config: { mediaType: 'application/vnd.oci.empty.v1+json', size: 2 },
      layers: [{ mediaType: SPDX, annotations: { 'org.opencontainers.image.title': 'sbom.spdx.json' } }],
      subject: { digest: subject, mediaType: images[0]!.manifest.mediaType, size: images[0]!.manifest.size },
      annotations: { 'org.opencontainers.image.created': '2026-11-30T00:00:00Z' },
    });
    const layer = (stored.json!['layers'] as { digest: string }[])[0]!.digest;
    const blob = await fetch(`${registry.url}/v2/team/app/blobs/${layer}`);
    expect(Buffer.from(await blob.arrayBuffer()).toString()).toBe(JSON.stringify({ spdxVersion: 'SPDX-2.3', name: 'app' }));

    const second = await runHoist(['attach', '--artifact-type', INTOTO, '--file', provenance, `${registry.host}/team/app@${subject}`, '--json']);
    expect(second.code, second.stderr).toBe(0);
    const attached = JSON.parse(second.stdout) as { artifact: string; listedBy: string };
    expect(attached.listedBy).toBe('tag');

    const index = await manifest(fallbackTag(subject));
    expect(index.json).toMatchObject({ mediaType: 'application/vnd.oci.image.index.v1+json' });
    expect((index.json!['manifests'] as { digest: string; artifactType: string }[]).map((d) => [d.digest, d.artifactType])).toEqual([
      [artifact, SPDX],
      [attached.artifact.split('@')[1], INTOTO],
    ]);
  });

  it('hoist referrers lists them from the fallback tag, by type if asked', async () => {
    const all = await runHoist(['referrers', `${registry.host}/team/app:1`, '--json']);
    expect(all.code, all.stderr).toBe(0);
    const listed = JSON.parse(all.stdout) as { from: string; referrers: { artifactType: string }[] };
    expect([listed.from, listed.referrers.map((r) => r.artifactType)]).toEqual(['tag', [SPDX, INTOTO]]);
    const spdx = await runHoist(['referrers', '--artifact-type', SPDX, `${registry.host}/team/app:1`]);
    expect(spdx.stdout.trim().split('\n')).toHaveLength(1);
    expect(spdx.stdout).toContain(`  ${SPDX}  `);
  });

  it('a failed update of the fallback tag leaves the old index as it was: exit 1, one line', async () => {
    const subject = images[0]!.manifest.digest;
    const before = await manifest(fallbackTag(subject));
    const proxy = await startFaultProxy(registry.host);
    try {
      proxy.addRule({ method: 'PUT', path: new RegExp(`/manifests/${fallbackTag(subject)}$`), times: Infinity, action: { type: 'status', status: 500 } });
      const run = await runHoist(['attach', '--artifact-type', 'application/vnd.example.scan', '--file', sbom, `${proxy.host}/team/app:1`, '--retries', '0']);
      expect(run.code).toBe(1);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toContain(`updating the referrers tag ${fallbackTag(subject)}`);
    } finally {
      await proxy.close();
    }
    expect((await manifest(fallbackTag(subject))).bytes).toEqual(before.bytes);
  });

  it('refuses a subject that does not exist, a file that does not exist, an annotation without =: one line each, no fallback tag', async () => {
    const missing = await runHoist(['attach', '--artifact-type', SPDX, '--file', sbom, `${registry.host}/team/app:nope`]);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    const noFile = await runHoist(['attach', '--artifact-type', SPDX, '--file', '/nonexistent/sbom.json', `${registry.host}/team/app:3`]);
    expect([noFile.code, noFile.stderr.trim()]).toEqual([2, 'hoist: error: --file /nonexistent/sbom.json: cannot read it (ENOENT)']);
    const noValue = await runHoist(['attach', '--artifact-type', SPDX, '--annotation', 'created', `${registry.host}/team/app:3`]);
    expect([noValue.code, noValue.stderr.trim()]).toEqual([2, 'hoist: error: --annotation takes KEY=VALUE, not "created" (see hoist attach --help)']);
    expect((await manifest(fallbackTag(images[2]!.manifest.digest))).status).toBe(404);
  });
});

describe('hoist copy --include-referrers', () => {
  it("brings the image's referrers, theirs in turn, and cosign's tags, each listed at the mirror", async () => {
    const subject = images[0]!.manifest.digest;
    const listed = (await manifest(fallbackTag(subject))).json!['manifests'] as { digest: string; artifactType: string }[];
    // A signature of the SBOM: a referrer of a referrer.
    const signed = await runHoist(['attach', '--artifact-type', 'application/vnd.example.signature', '--file', provenance, `${registry.host}/team/app@${listed[0]!.digest}`]);
    expect(signed.code, signed.stderr).toBe(0);
    const signature = signed.stdout.trim().split('@')[1]!;
    // cosign's older way: a tag beside the image.
    const cosign = await runHoist(['tag', `${registry.host}/team/app:3`, `${fallbackTag(subject)}.sig`]);
    expect(cosign.code, cosign.stderr).toBe(0);

    const run = await runHoist(['copy', `${registry.host}/team/app:1`, `${mirror.host}/team/app:1`, '--include-referrers', '--no-cache']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('hoist: referrers: 4 copied');
    const atMirror = (reference: string) => manifest(reference, mirror.url);
    expect(sha256((await atMirror('1')).bytes!)).toBe(subject);
    expect(((await atMirror(fallbackTag(subject))).json!['manifests'] as { digest: string }[]).map((d) => d.digest)).toEqual(listed.map((d) => d.digest));
    expect(((await atMirror(fallbackTag(listed[0]!.digest))).json!['manifests'] as { digest: string }[]).map((d) => d.digest)).toEqual([signature]);
    for (const { digest } of [...listed, { digest: signature }]) expect(sha256((await atMirror(digest)).bytes!)).toBe(digest);
    expect(sha256((await atMirror(`${fallbackTag(subject)}.sig`)).bytes!)).toBe(images[2]!.manifest.digest);
    // The image's tag stayed the image's.
    expect(sha256((await atMirror('1')).bytes!)).toBe(subject);
  });

  it('refuses what would change the image its referrers name, and a source that is no registry: exit 2', async () => {
    const platform = await runHoist(['copy', `${registry.host}/team/app:1`, `${mirror.host}/x/app:1`, '--include-referrers', '--platform', 'linux/amd64']);
    expect([platform.code, platform.stderr.trim()]).toEqual([2, 'hoist: error: --include-referrers copies an image as it is, for its referrers to name it: leave out --platform and --annotation (see hoist copy --help)']);
    const layout = await runHoist(['push', join(await tempDir(), 'none'), `${mirror.host}/x/app:1`, '--include-referrers']);
    expect(layout.code).toBe(2);
  });
});

describe('hoist attach on a registry with the referrers API (ReferrersFront over the real registry)', () => {
  it('needs no fallback tag: the registry lists the artifact itself', async () => {
    const front = await startReferrersFront(registry);
    try {
      const subject = images[1]!.manifest.digest;
      const run = await runHoist(['attach', '--artifact-type', SPDX, '--file', sbom, `${front.host}/team/app:2`, '--json']);
      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ listedBy: 'api', subject });
      expect((await manifest(fallbackTag(subject))).status).toBe(404);
      const listed = await runHoist(['referrers', `${front.host}/team/app:2`, '--json']);
      expect(JSON.parse(listed.stdout)).toMatchObject({ from: 'api', referrers: [{ artifactType: SPDX }] });
    } finally {
      await front.close();
    }
  });
});

/**
 * A front standing in for a registry with the referrers API: requests pass to the real registry;
 * a manifest PUT whose body has a subject is answered with OCI-Subject and remembered, and
 * GET /v2/NAME/referrers/DIGEST answers an index of what was remembered for DIGEST.
 */
async function startReferrersFront(behind: TestRegistry): Promise<{ host: string; close(): Promise<void> }> {
  const seen = new Map<string, object[]>();
  const server: Server = createServer((req, res) => {
    const referrers = /^\/v2\/(.+)\/referrers\/(sha256:[0-9a-f]{64})/.exec(req.url ?? '');
    if (referrers) {
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.index.v1+json' });
      res.end(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: seen.get(referrers[2]!) ?? [] }));
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const upstream = request({ host: '127.0.0.1', port: Number(behind.host.split(':')[1]), method: req.method, path: req.url, headers: req.headers }, (answer) => {
        const headers = { ...answer.headers };
        if (req.method === 'PUT' && req.url?.includes('/manifests/') && answer.statusCode === 201) {
          const json = JSON.parse(body.toString()) as { subject?: { digest: string }; artifactType?: string; mediaType: string };
          if (json.subject) {
            headers['oci-subject'] = json.subject.digest;
            const list = seen.get(json.subject.digest) ?? [];
            list.push({ mediaType: json.mediaType, digest: sha256(body), size: body.length, artifactType: json.artifactType });
            seen.set(json.subject.digest, list);
          }
        }
        res.writeHead(answer.statusCode ?? 502, headers);
        answer.pipe(res);
      });
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { host: `127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
