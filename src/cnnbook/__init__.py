"""cnnbook: the code that the chapters of the CNN course book teach, one module per idea.

The taught operations
- ``cnnbook.conv``: convolution from scratch, from the two loops of ``corr2d`` to a fast ``conv2d``.
- ``cnnbook.pool``: pooling from scratch, from the loops of ``pool2d`` to fast max and average.

Data
- ``cnnbook.datafiles``: Fashion-MNIST's files: found, checked by MD5, downloaded if missing.
- ``cnnbook.data``: the files decoded once into memory and served in (resized) batches.

Models
- ``cnnbook.models``: LeNet, AlexNet and VGG, shaped like torchvision's, and the registry by name.
- ``cnnbook.summary``: what each layer of a network outputs, holds and computes.

Training
- ``cnnbook.devices``: where a computation runs, and how a result names the device and machine.
- ``cnnbook.train``: the training loop (``train_epoch``, ``train_net``) and its history.
- ``cnnbook.preflight``: what ``train_net`` checks before the first step (data, network, sizes).
- ``cnnbook.evaluate``: predictions, accuracy and the confusion matrix of a trained network.
- ``cnnbook.recipes``: the training recipes per model and budget, and ``fit``.
- ``cnnbook.reproduce``: ``python -m cnnbook.reproduce`` runs the recipes and saves the results;
  the saved full-budget runs travel with the package (``cnnbook/results``).

Pictures
- ``cnnbook.plot``: figures of images, feature maps, kernels and training histories.
- ``cnnbook.cells``: numbered cells, outlines and sizes: what the sliding-window pictures draw with.
- ``cnnbook.layouts``: one layout per sliding-window picture, shared by stills and animations.
- ``cnnbook.figures``: the worked pictures of padding and stride, channels, 1 x 1 convolution and
  pooling, every number computed.
- ``cnnbook.animate``: the sliding window as animations that play in the book and in notebooks.
- ``cnnbook.diagram``: architecture diagrams drawn from the models themselves.
- ``cnnbook.cam``: Grad-CAM, where a trained network looks.
- ``cnnbook.alttext``: every figure's text alternative, written from what it draws.

The book's helpers
- ``cnnbook.checks``: the self-checks of the exercises, one call each.
- ``cnnbook.show``: what a chapter displays besides plots: the source of the code that runs, and
  the progress line of training.
- ``cnnbook.bench``: timing helpers shared by the chapters and ``make bench``.
- ``cnnbook.args``: the checks of the arguments of every public function, one message style.
"""

__version__ = "0.1.0"  # the one place the version is written; pyproject.toml reads it from here
