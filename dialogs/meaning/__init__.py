"""What a typed answer means: recognised from example phrases (dialogs/data/examples.yaml,
stored in the database where the admin extends them) by a character n-gram classifier."""

from dialogs.meaning.classifier import Classifier, Meaning
from dialogs.meaning.examples import Example, load_default_examples

__all__ = ["Classifier", "Example", "Meaning", "load_default_examples"]
