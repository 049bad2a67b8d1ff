"""cnnbook: the code that the chapters of the CNN course book teach, one module per idea.

- ``cnnbook.data``: Fashion-MNIST decoded once into memory and served in batches.
- ``cnnbook.plot``: figures (image grids and more).
- ``cnnbook.bench``: timing helpers shared by the chapters and ``make bench``.
- ``cnnbook.show``: show a function's source in a notebook, so the reader sees the code that runs.
"""

__version__ = "0.1.0"
