"""Pull: attendance taken in Moodle and grades of its gradebook, back into the registry per student
and lesson. Only reads Moodle; writes the registry only where something changed, and keeps every
correction in the history (:class:`bridge.models.MarkChange`)."""
