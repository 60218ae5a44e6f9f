import { describe, expect, it } from 'vitest';
import { acrAdapter, ACR_CAPABILITIES, isAcrHost } from '../src/index.js';

describe('ACR hosts', () => {
  it.each(['myreg.azurecr.io', 'myreg.azurecr.cn', 'myreg.azurecr.us', 'MyReg.AzureCR.io', 'myreg.azurecr.io:8443'])('claims %s', (host) => {
    expect(isAcrHost(host)).toBe(true);
  });

  it.each(['azurecr.io', 'myreg.azurecr.io.evil.example', 'my-reg.azurecr.io', 'docker.io'])('leaves %s alone', (host) => {
    expect(acrAdapter().matches(host)).toBe(false);
  });

  it('sends blobs whole, with a Content-Length', () => {
    expect(ACR_CAPABILITIES.upload).toBe('monolithic');
  });
});
