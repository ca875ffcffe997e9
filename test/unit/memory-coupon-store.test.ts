import { createMemoryCouponStore } from '#adapters/memory-coupon-store';
import { couponStoreContract } from './coupon-store-contract';

couponStoreContract('memory', async () => createMemoryCouponStore());
