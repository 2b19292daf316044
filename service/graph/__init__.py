"""The build pipeline: sources → parse → validate → reason → load, in that order."""
