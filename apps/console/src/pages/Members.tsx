import { SluiceApiError, type Schemas } from '@sluice/client';
import { useState, type FormEvent } from 'react';
import { api, ok, useLoad } from '../api';
import { ErrorMessage } from '../components/ErrorMessage';
import { Field } from '../components/Field';
import { Pager } from '../components/Pager';
import type { TenantRole } from '../lib/roles';
import { useSession } from '../session';
import { NoTenant } from './NoTenant';

const ROLES: TenantRole[] = ['owner', 'admin', 'member', 'viewer'];
const PAGE_SIZE = 50;

/** Members (add with a role, change role, remove) and teams of the selected tenant. */
export function Members() {
  const { tenant, permissions } = useSession();
  const [page, setPage] = useState(1);
  const [actionError, setActionError] = useState<unknown>(null);
  const members = useLoad(async () => (tenant ? ok(api.GET('/api/tenant-users', { params: { query: { page, page_size: PAGE_SIZE } } })) : null), `${tenant?.slug}:${page}`);
  const teams = useLoad(async () => (tenant ? ok(api.GET('/api/teams', { params: { query: { page_size: 200 } } })) : null), `${tenant?.slug}`);
  if (!tenant) return <NoTenant />;
  const act = async (work: () => Promise<unknown>) => {
    setActionError(null);
    try {
      await work();
    } catch (error) {
      setActionError(error);
    }
    members.reload();
  };
  return (
    <>
      <h1>Members and teams</h1>
      {permissions.manageMembers && <AddMemberForm onAdded={members.reload} />}
      <section aria-labelledby="members-title">
        <h2 id="members-title">Members of {tenant.name}</h2>
        <ErrorMessage error={members.error ?? actionError} />
        {members.data && (
          <>
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Email</th>
                    <th scope="col">Name</th>
                    <th scope="col">Role</th>
                    <th scope="col">Team</th>
                    {permissions.manageMembers && <th scope="col">Actions</th>}
                  </tr>
                </thead>
                <tbody>
                  {members.data.results.map((member) => (
                    <tr key={member.id}>
                      <th scope="row">{member.email}</th>
                      <td>{[member.first_name, member.last_name].filter(Boolean).join(' ') || '—'}</td>
                      <td>
                        {permissions.manageMembers ? (
                          <select
                            aria-label={`Role of ${member.email}`}
                            value={member.role}
                            onChange={(event) => void act(() => ok(api.PATCH('/api/tenant-users/{id}', { params: { path: { id: member.id } }, body: { role: event.target.value as TenantRole } })))}
                          >
                            {ROLES.map((role) => (
                              <option key={role} value={role}>
                                {role}
                              </option>
                            ))}
                          </select>
                        ) : (
                          member.role
                        )}
                      </td>
                      <td>
                        {permissions.manageMembers ? (
                          <select
                            aria-label={`Team of ${member.email}`}
                            value={member.team ?? ''}
                            onChange={(event) => {
                              const team = event.target.value;
                              void act(async () => {
                                if (team) await ok(api.POST('/api/teams/{id}/members', { params: { path: { id: team } }, body: { member: member.id } }));
                                else if (member.team) await ok(api.DELETE('/api/teams/{id}/members/{member}', { params: { path: { id: member.team, member: member.id } } }));
                                teams.reload();
                              });
                            }}
                          >
                            <option value="">No team</option>
                            {(teams.data?.results ?? []).map((team) => (
                              <option key={team.id} value={team.id}>
                                {team.name}
                              </option>
                            ))}
                          </select>
                        ) : (
                          (teams.data?.results.find((team) => team.id === member.team)?.name ?? '—')
                        )}
                      </td>
                      {permissions.manageMembers && (
                        <td>
                          <button type="button" className="danger" aria-label={`Remove ${member.email}`} onClick={() => void act(() => ok(api.DELETE('/api/tenant-users/{id}', { params: { path: { id: member.id } } })))}>
                            Remove
                          </button>
                        </td>
                      )}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pager page={page} count={members.data.count} pageSize={PAGE_SIZE} onPage={setPage} />
          </>
        )}
      </section>
      <Teams teams={teams.data?.results ?? []} error={teams.error} canManage={permissions.manageMembers} onChanged={() => (teams.reload(), members.reload())} />
    </>
  );
}

function AddMemberForm({ onAdded }: { onAdded: () => void }) {
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<TenantRole>('member');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState('');
  const fields = error instanceof SluiceApiError ? error.fieldErrors() : {};
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setDone('');
    try {
      const member = await ok(api.POST('/api/tenant-users', { body: { email, role, ...(password ? { password } : {}) } }));
      setDone(`${member.email} added as ${member.role}`);
      setEmail('');
      setPassword('');
      onAdded();
    } catch (caught) {
      setError(caught);
    }
  };
  return (
    <details className="panel" open>
      <summary>Add a member</summary>
      <form className="grid-form" onSubmit={(event) => void submit(event)} aria-label="Add a member">
        <Field label="Email" error={fields['email'] ?? fields['user']}>
          {(props) => <input {...props} type="email" required value={email} onChange={(event) => setEmail(event.target.value)} />}
        </Field>
        <Field label="Role" error={fields['role']}>
          {(props) => (
            <select {...props} value={role} onChange={(event) => setRole(event.target.value as TenantRole)}>
              {ROLES.map((each) => (
                <option key={each} value={each}>
                  {each}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Password for a new account" hint="Only when the email has no account yet" error={fields['password']}>
          {(props) => <input {...props} type="password" autoComplete="new-password" value={password} onChange={(event) => setPassword(event.target.value)} />}
        </Field>
        <div className="form-end">
          {Object.keys(fields).length === 0 && <ErrorMessage error={error} />}
          <p role="status">{done}</p>
          <button type="submit">Add member</button>
        </div>
      </form>
    </details>
  );
}

function Teams({ teams, error, canManage, onChanged }: { teams: Array<Schemas['TeamResponseDto']>; error: unknown; canManage: boolean; onChanged: () => void }) {
  const [name, setName] = useState('');
  const [failure, setFailure] = useState<unknown>(null);
  const run = async (work: () => Promise<unknown>) => {
    setFailure(null);
    try {
      await work();
      onChanged();
    } catch (caught) {
      setFailure(caught);
    }
  };
  const fields = failure instanceof SluiceApiError ? failure.fieldErrors() : {};
  return (
    <section aria-labelledby="teams-title">
      <h2 id="teams-title">Teams</h2>
      <ErrorMessage error={error} />
      {canManage && (
        <form
          className="inline-form"
          aria-label="Create a team"
          onSubmit={(event) => {
            event.preventDefault();
            void run(async () => {
              await ok(api.POST('/api/teams', { body: { name } }));
              setName('');
            });
          }}
        >
          <Field label="New team name" error={fields['name']}>
            {(props) => <input {...props} required value={name} onChange={(event) => setName(event.target.value)} />}
          </Field>
          <button type="submit">Create team</button>
        </form>
      )}
      {Object.keys(fields).length === 0 && <ErrorMessage error={failure} />}
      <ul className="plain">
        {teams.length === 0 && <li>No teams</li>}
        {teams.map((team) => (
          <li key={team.id}>
            <strong>{team.name}</strong> — {team.member_count} members{' '}
            {canManage && (
              <button type="button" className="danger" aria-label={`Delete team ${team.name}`} onClick={() => void run(() => ok(api.DELETE('/api/teams/{id}', { params: { path: { id: team.id } } })))}>
                Delete
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
