/**
 * Forgetting a user everywhere at once (X's `oauth.revoke`: the user revoked the app). Each part of the gateway that
 * keeps something of a user joins with a step of its own (`join`): the memory, the Activity API subscriptions, open
 * subscriptions, media links and their bytes. Every step runs, even when another fails.
 */
export type ForgetStep = (userId: string) => Promise<void> | void;

export class UserForgetting {
  private readonly steps: ForgetStep[] = [];

  /** Adds a step that forgets `userId` in one place; returns how to leave again. */
  join(step: ForgetStep): () => void {
    this.steps.push(step);
    return () => {
      const index = this.steps.indexOf(step);
      if (index >= 0) this.steps.splice(index, 1);
    };
  }

  /** Runs every step for `userId`; rejects with the first failure once all have run. */
  async forget(userId: string): Promise<void> {
    const outcomes = await Promise.allSettled(this.steps.map(async (step) => step(userId)));
    const failed = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
  }
}
