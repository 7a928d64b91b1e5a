import { describe, expect, it } from "vitest";
import { asDatabaseUnavailable, breaksConnection, DatabaseUnavailableError } from "./unavailable.js";

const pgError = (code: string, message = "server said so") => Object.assign(new Error(message), { code });

describe("asDatabaseUnavailable", () => {
  it("names what a database that cannot serve reports: SQLSTATE, socket errors and node-postgres's own messages", () => {
    const cases: Array<[unknown, string]> = [
      [pgError("57P01", "terminating connection due to administrator command"), "server_shutting_down"],
      [pgError("57P03", "the database system is starting up"), "server_shutting_down"],
      [pgError("57014", "canceling statement due to statement timeout"), "statement_timeout"],
      [pgError("08006"), "connection_lost"],
      [pgError("53300", "sorry, too many clients already"), "too_many_connections"],
      [pgError("28P01", "password authentication failed"), "authentication_failed"],
      [pgError("ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:5432"), "connection_refused"],
      [pgError("ECONNRESET", "read ECONNRESET"), "connection_lost"],
      [new Error("Connection terminated unexpectedly"), "connection_lost"],
      [new Error("Connection terminated due to connection timeout"), "connect_timeout"],
      [new Error("timeout exceeded when trying to connect"), "pool_timeout"],
      [new Error("Query read timeout"), "statement_timeout"],
      [new Error("Client has encountered a connection error and is not queryable"), "connection_lost"],
      [new Error("wrapped", { cause: pgError("57P01") }), "server_shutting_down"],
      [new AggregateError([pgError("ECONNREFUSED"), pgError("ECONNREFUSED")], "all refused"), "connection_refused"],
    ];
    for (const [error, reason] of cases) {
      const unavailable = asDatabaseUnavailable(error);
      expect(unavailable, String(error)).toBeInstanceOf(DatabaseUnavailableError);
      expect(unavailable?.reason).toBe(reason);
    }
  });

  it("leaves every other error alone: constraint violations, syntax errors, bugs", () => {
    for (const error of [
      pgError("23505", "duplicate key"),
      pgError("42P01", "relation does not exist"),
      new TypeError("x is undefined"),
      "a string",
      null,
    ]) {
      expect(asDatabaseUnavailable(error)).toBeNull();
    }
  });
});

describe("breaksConnection", () => {
  it("drops a connection after a transport or shutdown error, keeps it after an ordinary SQL error", () => {
    expect(breaksConnection(pgError("57P01"))).toBe(true);
    expect(breaksConnection(pgError("08006"))).toBe(true);
    expect(breaksConnection(new Error("Query read timeout"))).toBe(true);
    expect(breaksConnection(pgError("ECONNRESET"))).toBe(true);
    expect(breaksConnection(pgError("EPIPE"))).toBe(true);
    expect(breaksConnection(pgError("23505"))).toBe(false);
    expect(breaksConnection(pgError("57014"))).toBe(false);
  });
});
