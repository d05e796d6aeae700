"""The review engine shared by materials and questions: the state machine (workflow), models,
permissions, services, queues, criteria and notifications."""
