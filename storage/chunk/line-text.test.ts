import { describe, expect, it } from 'vitest';
import { asciiSection, lineText } from './line-text.js';

describe('lineText', () => {
  const samples: Buffer[] = [
    Buffer.from('level=info msg="plain ascii" took=3ms'),
    Buffer.from('{"msg":"größe","status":500}'),
    Buffer.from([0x61, 0xff, 0x62, 0xc3, 0x28, 0x63, 0xed, 0xa0, 0x80]), // invalid UTF-8: each bad sequence is U+FFFD
    Buffer.from('emoji 🚀 and a tab\t'),
    Buffer.alloc(0),
  ];

  it('reads every range as toString("utf8") does, whether the section is ASCII or not', () => {
    const section = Buffer.concat(samples.flatMap((sample) => [sample, Buffer.from('\n')]));
    const ascii = asciiSection(section);
    expect(ascii).toBe(false);
    let start = 0;
    for (const sample of samples) {
      const end = start + sample.length;
      expect(lineText(section, ascii, start, end)).toBe(section.toString('utf8', start, end));
      start = end + 1;
    }
  });

  it('tells an ASCII section, and decodes it as latin1 to the same strings', () => {
    const section = Buffer.from('header\u00e9 is outside\nfirst line\nsecond line\n');
    const from = section.indexOf('\n') + 1;
    expect(asciiSection(section)).toBe(false);
    expect(asciiSection(section, from)).toBe(true);
    expect(lineText(section, true, from, from + 10)).toBe('first line');
    expect(lineText(section, true, from + 11, from + 22)).toBe(section.toString('utf8', from + 11, from + 22));
  });
});
