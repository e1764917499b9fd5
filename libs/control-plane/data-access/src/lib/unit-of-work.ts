import type { DataSource, EntityManager } from 'typeorm';

/**
 * One database transaction, handed explicitly to every repository call that
 * must commit or roll back together (a change and the audit event describing it).
 */
export interface Transaction {
  readonly manager: EntityManager;
}

export class UnitOfWork {
  constructor(private readonly dataSource: DataSource) {}

  run<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.dataSource.transaction((manager) => work({ manager }));
  }
}
