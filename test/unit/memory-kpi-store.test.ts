import { createMemoryKpiStore } from '#adapters/memory-kpi-store';
import { createMemoryClickStore } from '#adapters/memory-click-store';
import { clickCountsContract, kpiStoreContract } from './kpi-store-contract';

kpiStoreContract('memory', async () => createMemoryKpiStore());
clickCountsContract('memory', async () => createMemoryClickStore());
