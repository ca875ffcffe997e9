import { createMemoryReferralStore } from '#adapters/memory-referral-store';
import { referralStoreContract } from './referral-store-contract';

referralStoreContract('memory', async () => createMemoryReferralStore());
