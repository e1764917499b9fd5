import { SignJWT } from 'jose';
import { looksLikeJwt, signAccessToken, verifyAccessToken } from './access-token';
import { generateOpaqueToken, isOpaqueToken } from './opaque-token';

const SECRET = 'a-test-secret-that-is-long-enough-123456';
const subject = { userId: 'u1', email: 'a@example.com', isPlatformAdmin: true, sessionId: 's1' };

describe('access tokens', () => {
  it('round-trips its claims', async () => {
    const { token, claims } = await signAccessToken(SECRET, subject, 900);
    expect(looksLikeJwt(token)).toBe(true);
    expect(await verifyAccessToken(SECRET, token)).toEqual(claims);
    expect(claims.exp - claims.iat).toBe(900);
  });

  it('refuses another secret, expiry, tampering and alg=none', async () => {
    const { token } = await signAccessToken(SECRET, subject, 900);
    expect(await verifyAccessToken('another-secret-that-is-long-enough-xxxx', token)).toBeNull();
    const expired = await signAccessToken(SECRET, subject, 60, Date.now() - 3_600_000);
    expect(await verifyAccessToken(SECRET, expired.token)).toBeNull();
    const [header, , signature] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ sub: 'admin', adm: true })).toString('base64url');
    expect(await verifyAccessToken(SECRET, `${header}.${forged}.${signature}`)).toBeNull();
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${forged}.`;
    expect(await verifyAccessToken(SECRET, unsigned)).toBeNull();
    expect(await verifyAccessToken(SECRET, 'garbage')).toBeNull();
  });

  it('refuses a token of ours missing its session claims', async () => {
    const bare = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u1')
      .setIssuer('sluice')
      .setAudience('sluice-api')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(SECRET));
    expect(await verifyAccessToken(SECRET, bare)).toBeNull();
  });
});

describe('opaque tokens', () => {
  it('are prefixed by kind and hashed', () => {
    const refresh = generateOpaqueToken('refresh');
    const personal = generateOpaqueToken('personal');
    expect(isOpaqueToken('refresh', refresh.secret)).toBe(true);
    expect(isOpaqueToken('personal', refresh.secret)).toBe(false);
    expect(isOpaqueToken('personal', personal.secret)).toBe(true);
    expect(refresh.hash).toMatch(/^[0-9a-f]{64}$/);
  });
});
