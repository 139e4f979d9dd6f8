/** The oidc-provider instance of the auth server (oidc.module.ts). */
export const OIDC_PROVIDER = 'BASTION:OIDC_PROVIDER';
/** The {@link InteractionCsrf} of the interaction forms. */
export const INTERACTION_CSRF = 'BASTION:INTERACTION_CSRF';
