"""Self-checks for the exercises that ask for code: one call says whether an answer is right,
and gives a hint when it is not.

    from cnnbook.checks import check_output_size
    check_output_size(output_size)   # Right: ... / Not yet: ... Hint: ... / No answer yet: ...

A right answer's message does not repeat the answer (the book shows it next to a folded solution).
Every check computes the right answer itself, from PyTorch's own layers or from the data, at the
moment it is called, compares numbers at the precision of the answer, and never raises: an answer
of the wrong kind, or a function that raises, is "not yet", with what was expected, and the stub
``...`` that a student notebook's answer cell starts with is "no answer yet", with what to put
there. Each returns a :class:`Verdict`, which is true when the answer is right and shows its
message in a notebook. Each check's ``expects`` maps the parameters that hold the student's
answers to what they must be (the words of the student notebooks' answer cells).

    verdict         Verdict and self_check, the rule every check follows
    answers         reading answers, calling the student's functions, comparing at a precision
    data_conv       chapters 00 and 01: the data, convolution with one channel
    channels_pool   chapters 02 and 03: channels, pooling
    networks        chapters 04 to 06: LeNet, AlexNet, VGG
"""

from .channels_pool import (
    check_alexnet_output_size,
    check_combined_1x1,
    check_conv_shape,
    check_max_of_row_pairs,
)
from .data_conv import check_derivative_kernel, check_most_alike, check_output_size
from .networks import (
    check_dense_share,
    check_lenet_parameters,
    check_receptive_field,
    check_smallest_input,
    check_vgg16_counts,
)
from .verdict import Verdict

__all__ = [
    "Verdict",
    "check_output_size",
    "check_derivative_kernel",
    "check_most_alike",
    "check_combined_1x1",
    "check_conv_shape",
    "check_max_of_row_pairs",
    "check_alexnet_output_size",
    "check_lenet_parameters",
    "check_receptive_field",
    "check_dense_share",
    "check_smallest_input",
    "check_vgg16_counts",
]
