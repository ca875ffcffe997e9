import { createMemoryClickStore } from '#adapters/memory-click-store';
import { clickStoreContract } from './click-store-contract';

clickStoreContract('memory', async () => createMemoryClickStore());
