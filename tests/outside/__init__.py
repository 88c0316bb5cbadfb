"""Outside-style backprop code for held-out tests: CS231n-like layers and nets, and the
deeplearning.ai "Improving Deep Neural Networks" models, each with planted bugs.

Written from the public assignments' structure (not vendored); every backward takes a set of
bug names to switch on, so a test can compare a buggy gradient with the correct one.
"""
