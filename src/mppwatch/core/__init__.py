"""Rules every module shares, each written once: text folding, periods and fiscal years, the publisher's rounding."""
