import { describe, expect, it } from 'vitest';
import { decodeDnsEscapes, dnsNameKey, route53Name, sameDnsName } from '../../controller/dns-name.js';

describe('DNS name spelling', () => {
  it('gives one key to every spelling of a name', () => {
    expect(dnsNameKey('API.Example.COM')).toBe('api.example.com.');
    expect(dnsNameKey(' api.example.com. ')).toBe('api.example.com.');
    expect(dnsNameKey('\\052.api.example.com.')).toBe('*.api.example.com.');
    expect(dnsNameKey('\\100home.example.com')).toBe('@home.example.com.');
  });

  it('compares a manifest name with the escaped form Route 53 returns', () => {
    expect(sameDnsName('*.api.example.com.', '\\052.api.example.com.')).toBe(true);
    expect(sameDnsName('*.API.example.com', '\\052.api.example.com.')).toBe(true);
    expect(sameDnsName('a@b.example.com.', 'a\\100b.example.com.')).toBe(true);
    expect(sameDnsName('*.api.example.com.', 'x.api.example.com.')).toBe(false);
    expect(sameDnsName('api.example.com.', 'api.example.org.')).toBe(false);
  });

  it('writes names the way Route 53 stores them', () => {
    expect(route53Name('*.API.example.com')).toBe('\\052.api.example.com.');
    expect(route53Name('a@b.example.com.')).toBe('a\\100b.example.com.');
    expect(route53Name('my_host-1.example.com')).toBe('my_host-1.example.com.');
    expect(route53Name('\\052.api.example.com.')).toBe('\\052.api.example.com.');
    expect(route53Name('é.example.com.')).toBe('\\303\\251.example.com.');
  });

  it('decodes octal escapes and escaped characters, leaving other text alone', () => {
    expect(decodeDnsEscapes('\\052.a\\.b.example.com.')).toBe('*.a.b.example.com.');
    expect(decodeDnsEscapes('plain.example.com.')).toBe('plain.example.com.');
  });
});

describe('sameDnsName without escapes', () => {
  it('ignores case, surrounding spaces and the trailing dot, and nothing else', () => {
    expect(sameDnsName('API.example.com', 'api.example.com.')).toBe(true);
    expect(sameDnsName(' api.example.com. ', 'api.example.com')).toBe(true);
    expect(sameDnsName('api0.example.com.', 'api1.example.com.')).toBe(false);
    expect(sameDnsName('api.example.com..', 'api.example.com.')).toBe(false);
    expect(sameDnsName('Ä.example.com.', 'ä.example.com.')).toBe(true);
  });
});
