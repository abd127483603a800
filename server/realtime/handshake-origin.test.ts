import { foreignOrigin } from './handshake-origin';

describe('socket handshake origin', () => {
  it('given no Origin header (not a browser page), then the handshake goes on to authentication', () => {
    expect(foreignOrigin({ host: 'ordo.example.com' })).toBeUndefined();
  });

  it('given the page of this host, or of PUBLIC_URL behind a proxy that rewrites Host, then it goes on', () => {
    expect(foreignOrigin({ host: 'ordo.example.com', origin: 'https://ordo.example.com' })).toBeUndefined();
    expect(foreignOrigin({ host: '10.0.0.7:3000', origin: 'https://ordo.example.com' }, 'https://ordo.example.com/')).toBeUndefined();
  });

  it('given a sibling host, another port, an opaque or a malformed origin, then it is refused with the reason', () => {
    expect(foreignOrigin({ host: 'ordo.example.com', origin: 'https://shop.example.com' }, 'https://ordo.example.com')).toBe('Cross-origin request refused: https://shop.example.com is not this server (https://ordo.example.com)');
    expect(foreignOrigin({ host: 'ordo.example.com', origin: 'https://ordo.example.com:8443' })).toMatch(/not this server/);
    expect(foreignOrigin({ host: 'ordo.example.com', origin: 'null' })).toMatch(/is not a URL/);
  });
});
