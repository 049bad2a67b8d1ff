"""cnnbook: the code that the chapters of the CNN course book teach, one module per idea.

- ``cnnbook.data``: Fashion-MNIST decoded once into memory and served in batches.
- ``cnnbook.conv`` and ``cnnbook.pool``: convolution and pooling from scratch.
- ``cnnbook.models``: LeNet, AlexNet and VGG, shaped like torchvision's models.
- ``cnnbook.summary``: what each layer of a network outputs, holds and computes.
- ``cnnbook.train``: the training and evaluation loop.
- ``cnnbook.recipes``: the training recipes per model and budget, and ``fit``.
- ``cnnbook.reproduce``: ``python -m cnnbook.reproduce`` runs the recipes and saves the results.
- ``cnnbook.plot``: figures (image grids and more).
- ``cnnbook.figures``: the worked figures of padding and stride, channels, 1 x 1 convolution and
  pooling, every number computed.
- ``cnnbook.animate``: the sliding window as animations that play in the book and in notebooks.
- ``cnnbook.diagram``: architecture diagrams drawn from the models themselves.
- ``cnnbook.cam``: Grad-CAM, where a trained network looks.
- ``cnnbook.bench``: timing helpers shared by the chapters and ``make bench``.
- ``cnnbook.show``: what a chapter displays besides plots: the source of the code that runs, and
  the progress line of training.
"""

__version__ = "0.1.0"  # the one place the version is written; pyproject.toml reads it from here
