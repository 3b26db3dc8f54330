"""JSON Schemas of the package's input files, shipped as package data.

``model-file.schema.json`` describes a model file (see :func:`inframarginal.build_model`)
for editors; find it with
``importlib.resources.files("inframarginal.schemas") / "model-file.schema.json"``.
"""
