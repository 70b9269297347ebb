DROP TABLE domain_controls;
