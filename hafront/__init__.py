"""Python shared by the drills and the tests: the client probe and what it saw."""
