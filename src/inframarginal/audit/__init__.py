"""The seed paper's audit: its printed results against the model's derivation.

Li Ke (2020) prints a Table 1 of corner equilibria, a Table 2 of comparative statics
and a list of claims.  This subpackage reads the transcription of those printed
results (``transcriptions/<model>-table1.toml``, data only), evaluates them with the
whitelist parser, compares them with the closed forms derived by the engine, proves
what SymPy can prove and writes the audit's sections into the generic report
(:mod:`inframarginal.report`).
"""
