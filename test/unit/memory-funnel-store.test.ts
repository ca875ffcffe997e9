import { createMemoryFunnelStore } from '#adapters/memory-funnel-store';
import { funnelStoreContract } from './funnel-store-contract';

funnelStoreContract('memory', async () => createMemoryFunnelStore());
