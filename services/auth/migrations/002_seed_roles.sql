-- The four roles every deployment has; users reference them by code.
INSERT INTO roles (code) VALUES ('LEARNER'), ('AUTHOR'), ('EDITOR'), ('ADMIN')
ON CONFLICT (code) DO NOTHING;
