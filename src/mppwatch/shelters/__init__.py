"""The shelter register: shelters, daily occupancy reports from their staff, scoped tokens and an audit trail.

`schema` creates the tables, `seed` fills them from the bundled shelter table, `register` takes writes and answers
public questions, `citywide` gives a city's shelter load by date, `tokens` issues and verifies access tokens.
"""
