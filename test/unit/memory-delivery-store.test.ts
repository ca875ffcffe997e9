import { createMemoryDeliveryStore } from '#adapters/memory-delivery-store';
import { deliveryStoreContract } from './delivery-store-contract';

deliveryStoreContract('memory', async () => createMemoryDeliveryStore());
