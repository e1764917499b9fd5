export function NoTenant() {
  return <p>You are not a member of any tenant yet. Ask a tenant owner to add you.</p>;
}
