// The caps an evacuation's window runs within (src/app/move-guests.ts windowLimits): the flags over
// the profile's, and no host's cap above the site's (an evacuation plan file records these).
import {expect} from 'chai'
import {windowLimits} from '../../src/app/move-guests.js'
import {testProfile} from '../support/rule-harness.js'

describe('evacuation window caps', () => {
  const profile = testProfile({concurrency: {site: 4, outgoing: 4, incoming: 2}})

  it('the profile’s, where no flag is given', () => {
    expect(windowLimits(profile)).to.deep.equal({site: 4, outgoing: 4, incoming: 2})
    expect(windowLimits(profile, {site: undefined})).to.deep.equal({site: 4, outgoing: 4, incoming: 2})
  })

  it('a flag replaces its cap; a site cap below a host’s brings that one down to it', () => {
    expect(windowLimits(profile, {site: 3})).to.deep.equal({site: 3, outgoing: 3, incoming: 2})
    expect(windowLimits(profile, {site: 1})).to.deep.equal({site: 1, outgoing: 1, incoming: 1})
    expect(windowLimits(profile, {incoming: 1})).to.deep.equal({site: 4, outgoing: 4, incoming: 1})
    expect(windowLimits(profile, {site: 2, outgoing: 8, incoming: 8})).to.deep.equal({site: 2, outgoing: 2, incoming: 2})
  })
})
