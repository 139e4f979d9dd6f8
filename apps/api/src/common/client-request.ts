/** What the demo reads from a request on either adapter: `ip` honours TRUST_PROXY. */
export interface ClientRequest {
  ip: string;
  id?: string;
  headers: Record<string, string | string[] | undefined>;
  user?: import('@bastion/auth').AuthPrincipal;
}
