import { describe, expect, it } from "vitest";
import { ipBucket } from "./client-ip.js";

describe("ipBucket (S28: one budget per client)", () => {
  it("keeps IPv4 addresses and folds every IPv4-mapped spelling onto them", () => {
    for (const ip of ["1.1.1.1", "::ffff:1.1.1.1", "::ffff:101:101", "0:0:0:0:0:ffff:101:101", "0000:0000:0000:0000:0000:ffff:0101:0101"]) {
      expect(ipBucket(ip), ip).toBe("1.1.1.1");
    }
  });

  it("buckets IPv6 by /64, however the address is written", () => {
    const bucket = ipBucket("2001:db8:1:2::1");
    expect(bucket).toBe("2001:db8:1:2::/64");
    for (const ip of ["2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:0db8:0001:0002:0000:0000:0000:0009", "2001:db8:1:2::abcd%eth0"]) {
      expect(ipBucket(ip), ip).toBe(bucket);
    }
    expect(ipBucket("2001:db8:1:3::1")).not.toBe(bucket);
    expect(ipBucket("::1")).toBe("0:0:0:0::/64");
  });
});
