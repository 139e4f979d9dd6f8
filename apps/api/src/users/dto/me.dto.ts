/** `GET /v1/users/me`: who the caller is. Never the password hash. */
export class MeDto {
  id!: string;
  email!: string;
  displayName!: string;
  role!: string;
  department!: string;
  tenant!: { id: string; slug: string };
  /** How the caller authenticated, and what that credential may do. */
  authentication!: { method: 'jwt' | 'api-key' | 'oidc'; scopes: readonly string[] };
}
