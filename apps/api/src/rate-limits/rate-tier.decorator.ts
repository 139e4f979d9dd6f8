import { SetMetadata } from '@nestjs/common';

/** Metadata key of {@link RateTier}. */
export const RATE_TIER_KEY = 'BASTION:RATE_TIER';

/** The extra limits of the demo, each counted only on the routes that name it. */
export type RateTierName = 'refresh' | 'apiKeyCreate' | 'accounts';

/**
 * Counts this route against a named limit on top of the per-client `api`
 * budget that every route has.
 *
 * @example @RateTier('refresh') @Post('refresh') refresh() {}
 */
export const RateTier = (...tiers: RateTierName[]) => SetMetadata(RATE_TIER_KEY, tiers);
