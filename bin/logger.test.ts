import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../app/config.js';
import { defaultLogFormat, processName } from './logger.js';

describe('norn run logging', () => {
  it('names a gateway by host and port unless --id names it; an ingester by its ring id', () => {
    const gateway = { ...defaultConfig(), target: 'gateway' as const, httpPort: 3100 };
    expect(processName(gateway, false, 'web-1')).toBe('gateway-web-1-3100');
    expect(processName({ ...gateway, id: 'edge' }, true, 'web-1')).toBe('edge');
    expect(processName({ ...defaultConfig(), target: 'ingester' as const, id: 'ingester-2' }, false, 'web-1')).toBe('ingester-2');
  });

  it('logs pretty lines to a terminal and JSON elsewhere, unless NORN_LOG_FORMAT says', () => {
    expect(defaultLogFormat({}, true)).toBe('pretty');
    expect(defaultLogFormat({}, false)).toBe('json');
    expect(defaultLogFormat({ NORN_LOG_FORMAT: 'json' }, true)).toBe('json');
    expect(defaultLogFormat({ NORN_LOG_FORMAT: 'pretty' }, false)).toBe('pretty');
  });
});
