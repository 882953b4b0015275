"""The community tree: street → community → grid → building."""
