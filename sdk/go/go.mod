module ember.dev/sdk/go

go 1.24
