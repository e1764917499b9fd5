import type { UsersRepository, UserRow } from '@sluice/control-plane/data-access';
import { SluiceException } from '@sluice/platform';
import { requireUser, type Principal } from '../auth/principal';

/** The caller's own user row: a credential whose user is gone or inactive is refused. */
export async function currentUser(users: UsersRepository, caller: Principal): Promise<UserRow> {
  const user = await users.findById(requireUser(caller).userId);
  if (!user || !user.is_active) throw new SluiceException('unauthorized', 'Invalid or expired credentials');
  return user;
}
