/**
 * The optional parts of a store (`DmStore`), each as its own interface when the store offers it: the gateway hands
 * the rate-limit book the budgets and the sync, live loop and Activity stream the leases, and nothing more.
 */
import type { BudgetStore, DmStore, LeaseStore } from './store.js';

/** The store's shared rate-limit budgets, when it keeps them. */
export function budgetsOf(store: DmStore): BudgetStore | undefined {
  return offersBudgets(store) ? store : undefined;
}

/**
 * The store's leases, when replicas share it (it says whether it is available: it can fail, so it is not this
 * process's alone) and it offers them; undefined otherwise, where each process does its work itself.
 */
export function sharedLeases(store: DmStore): LeaseStore | undefined {
  return store.available && offersLeases(store) ? store : undefined;
}

function offersBudgets(store: DmStore): store is DmStore & BudgetStore {
  return store.budget !== undefined && store.setBudget !== undefined;
}

function offersLeases(store: DmStore): store is DmStore & LeaseStore {
  return store.acquireLease !== undefined && store.renewLease !== undefined && store.releaseLease !== undefined;
}
