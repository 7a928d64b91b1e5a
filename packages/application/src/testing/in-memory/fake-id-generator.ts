// Predictable ids ("id-0001", "id-0002", …) so tests can name what a use case will create.
import type { IdGenerator } from "../../index.js";

export class FakeIdGenerator implements IdGenerator {
  private count = 0;
  readonly issued: string[] = [];

  constructor(private readonly prefix = "id") {}

  newId(): string {
    this.count += 1;
    const id = `${this.prefix}-${String(this.count).padStart(4, "0")}`;
    this.issued.push(id);
    return id;
  }

  /** The id the next call will return. */
  peek(): string {
    return `${this.prefix}-${String(this.count + 1).padStart(4, "0")}`;
  }
}
