"""Playing the dialog without a customer: "test a message" and the conversation preview of the
admin studio, on any engine (the live one, a draft's, a past version's)."""

from dialogs.preview.conversation import Line, Sample, play, samples
from dialogs.preview.desk import PreviewDesk
from dialogs.preview.message import CategoryEvidence, MessageTest, try_message

__all__ = ["CategoryEvidence", "Line", "MessageTest", "PreviewDesk", "Sample", "play",
           "samples", "try_message"]
