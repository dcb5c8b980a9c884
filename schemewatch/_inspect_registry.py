"""What Inspect AI loads through our ``inspect_ai`` entry point: ``inspect eval schemewatch/covert_actions``."""

from schemewatch.inspect_task import covert_actions, schemewatch

__all__ = ["covert_actions", "schemewatch"]
