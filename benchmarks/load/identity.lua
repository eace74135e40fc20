-- The identity the gateway would assert; the sample host trusts it from loopback in Development.
function identity(user)
   return {
      ["X-MaaS-Username"] = user,
      ["X-MaaS-Group"] = '["system:authenticated","premium-group"]',
   }
end
