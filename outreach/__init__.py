"""outreach: YAML guides to Vietnamese administrative procedures → handouts and loudspeaker audio."""

__version__ = "0.1.0"
